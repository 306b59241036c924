{#- HAIM's categorical code (pandas `category` codes): the 0-based rank of `column` among the distinct non-NULL
    values of `relation`, in byte order (pandas sorts the categories by code point). One row per value. -#}
{% macro haim_category_codes(relation, column) %}
select
    category_value,
    cast(dense_rank() over (order by {{ byte_order('category_value') }}) - 1 as integer) as category_code
from (select distinct {{ column }} as category_value from {{ relation }} where {{ column }} is not null)
{% endmacro %}

{#- A sort key that orders strings by their UTF-8 bytes whatever the session collation (DuckDB: encode -> BLOB). -#}
{% macro byte_order(expression) -%}
    encode({{ expression }})
{%- endmacro %}
