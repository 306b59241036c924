{#- One row per distinct (family, series_key, cutoff) with the family's features as columns feature_0 ..:
    feature 11*i + j = statistic j of item i (the seed's feature_index). An item without events has NULL here
    (the mart writes HAIM's 0). Column lists come from the seed. -#}
-- depends_on: {{ ref('haim_embedding_items') }}
{%- set statistics = haim_statistics() -%}
{%- set ns = namespace(width=0) -%}
{%- for family, prefix, item_count in haim_feature_families() -%}
    {%- set ns.width = [ns.width, item_count] | max -%}
{%- endfor %}
with

statistics as (
    select * from {{ ref('int_haim_series_statistics') }}
)

select
    {%- for item in range(ns.width) %}
        {%- for statistic in statistics %}
            {%- set feature = item * statistics | length + loop.index0 %}
            max(stat_{{ statistic }}) filter (where feature_index = {{ item }}) as feature_{{ feature }},
        {%- endfor %}
    {%- endfor %}
    family,
    series_key,
    cutoff
from statistics
group by family, series_key, cutoff
