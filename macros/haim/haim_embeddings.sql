{#- Helpers of the HAIM tabular embeddings (marts.haim_embeddings). -#}

{#- The 11 statistics per item, in HAIM's order: feature 11*i + j is statistic j of item i. -#}
{% macro haim_statistics() -%}
    {{ return(['max', 'min', 'mean', 'variance', 'meandiff', 'meanabsdiff', 'maxdiff', 'sumabsdiff', 'diff',
               'npeaks', 'trend']) }}
{%- endmacro %}

{#- The validated var haim_time_bound: 'reference' (HAIM: procedure events unbounded) or 'strict'. -#}
{% macro haim_time_bound() -%}
    {%- if execute is not defined -%}
        {#- sqlfluff's templater: no project vars. -#}
        {{ return('reference') }}
    {%- endif -%}
    {%- set mode = var('haim_time_bound', 'reference') -%}
    {%- if mode not in ['reference', 'strict'] -%}
        {{ exceptions.raise_compiler_error("var haim_time_bound must be 'reference' or 'strict', not '" ~ mode ~ "'") }}
    {%- endif -%}
    {{ return(mode) }}
{%- endmacro %}

{#- The cutoff that bounds nothing (every event time is before it). -#}
{% macro haim_unbounded_cutoff() -%}
    cast('infinity' as timestamp)
{%- endmacro %}

{#- `value` is a number: not NULL and not NaN (HAIM's pivot drops both). -#}
{% macro haim_is_number(value) -%}
    ({{ value }} is not null and not isnan({{ value }}))
{%- endmacro %}

{#- [(family, column_prefix, item_count)] from the seed, in family order (chart, lab, procedure), read at run
    time so the wide column lists are never typed per item. -#}
{% macro haim_feature_families() %}
    {%- if execute is not defined -%}
        {#- sqlfluff's templater: no database; one stand-in family keeps the SQL parseable. -#}
        {{ return([('chart', 'ts_ce', 1)]) }}
    {%- elif not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select family, column_prefix, cast(count(distinct feature_index) as integer) as item_count
        from {{ ref('haim_embedding_items') }}
        group by family, column_prefix
        order by family
    {%- endset -%}
    {%- set families = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- do families.append((row[0], row[1], row[2])) -%}
    {%- endfor -%}
    {{ return(families) }}
{% endmacro %}
