{#- The whole body of a MIMIC-schema view (models/mimic): every column its generated yml declares, taken from
    the staging model by its staging name and cast to mimic-code's type under the release's column name. -#}
{% macro mimic_view(schema_name, table_name) %}
{%- set staging = ref('stg_' ~ schema_name ~ '__' ~ table_name) -%}
{%- if execute -%}
{%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ schema_name ~ '__' ~ table_name] -%}
select
{%- for column in node.columns.values() %}
    cast({{ column.meta.staging_name }} as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
{%- if not loop.last %},{% endif %}
        {%- endfor %}
from {{ staging }}
    {%- else %}
select * from {{ staging }}
{%- endif -%}
{% endmacro %}
