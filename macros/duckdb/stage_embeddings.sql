{#- The whole body of an embeddings staging model: every column the source yml declares, cast to its type, from
    the source's Parquet files; when no file matches yet (nothing embedded), the same columns with no row, so
    the models downstream build with NULL model columns. Whether files exist is asked at build time with
    DuckDB's glob(): embedding later needs a rebuild (`dbt build --select +haim_fusion`), which the HAIM
    embeddings export checks (export.haim_embeddings.writer). -#}
{% macro stage_embeddings(table_name) %}
{%- set relation = source('embeddings', table_name) -%}
{%- if execute -%}
{%- set location = lake_location(relation) -%}
{%- set node = graph.sources['source.' ~ project_name ~ '.embeddings.' ~ table_name] -%}
{%- set found = run_query('select count(*) from glob(' ~ location ~ ')').columns[0].values()[0] -%}
select
{%- for column in node.columns.values() %}
    cast({% if found %}{{ adapter.quote(column.name) }}{% else %}null{% endif %} as {{ column.data_type }})
    as {{ column.name }}{% if not loop.last %},{% endif %}
{%- endfor %}
{%- if found %}
from read_parquet({{ location }})
{%- else %}
where false
{%- endif %}
{%- else %}
select * from {{ relation }}
{%- endif -%}
{% endmacro %}
