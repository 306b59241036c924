{#- The whole body of a staging model: select every column the source yml declares, cast to its declared type
    and renamed to its staging name (meta.staging_name, generated with releases.snake). Nothing else. -#}
{% macro stage_source(source_name, table_name) %}
{%- set relation = source(source_name, table_name) -%}
{%- if execute -%}
{%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
select
{%- for column in node.columns.values() %}
    cast({{ adapter.quote(column.name) }} as {{ column.data_type }}) as {{ column.meta.staging_name }}
{%- if not loop.last %},{% endif %}
        {%- endfor %}
from {{ lake_location(relation) }}
    {%- else %}
select * from {{ relation }}
{%- endif -%}
{% endmacro %}

{#- [(published name, staging name)] of a source table, in source order, without the converter's record-order
    column (meta.row_order): marts that publish the original names
    (EyeGaze tables, cxr_meta) rename back through this instead of typing the names again. -#}
{% macro published_columns(source_name, table_name) %}
{%- set pairs = [] -%}
{%- if execute is not defined -%}
    {#- Rendered by sqlfluff's templater (no dbt graph): a stand-in column keeps the SQL parseable. -#}
    {{ return([('sqlfluff_placeholder', 'sqlfluff_placeholder')]) }}
{%- elif execute -%}
{%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
{%- for column in node.columns.values() if not column.meta.get('row_order') -%}
{%- do pairs.append((column.name, column.meta.staging_name)) -%}
{%- endfor -%}
{%- endif -%}
{{ return(pairs) }}
{% endmacro %}

{#- "<alias>.<staging> as "<published>"" for every column of a source table except `exclude`, comma-separated. -#}
{% macro select_published(source_name, table_name, alias, exclude=[], overrides={}) %}
{%- set items = [] -%}
{%- for published, staged in published_columns(source_name, table_name) if staged not in exclude -%}
{%- do items.append(overrides.get(staged, alias ~ '.' ~ staged) ~ ' as ' ~ quoted(published)) -%}
{%- endfor -%}
{{ items | join(',\n    ') }}
{% endmacro %}

{#- A quoted identifier: the adapter's quoting, or standard double quotes where no adapter exists (sqlfluff). -#}
{% macro quoted(name) -%}
{%- if adapter is defined -%}{{ adapter.quote(name) }}{%- else -%}"{{ name | replace('"', '""') }}"{%- endif -%}
{%- endmacro %}
