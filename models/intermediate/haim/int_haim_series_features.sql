{#- One row per distinct (family, series_key, cutoff): the statistics of every item that has data there, as a
    map from the item's feature_index to its 11 statistics in HAIM's order (feature 11 * i + j is statistic j
    of item i). An item without values is absent (the mart writes HAIM's 0). With a map the mart's pivot to
    HAIM's columns is one lookup per column, not one filtered aggregate per column. -#}
{%- set statistics = haim_statistics() %}
with

statistics as (
    select * from {{ ref('int_haim_series_statistics') }}
)

select
    family,
    series_key,
    cutoff,
    map_from_entries(list(struct_pack(
        k := feature_index,
        v := [
            {%- for statistic in statistics %}
                stat_{{ statistic }}{{ ',' if not loop.last }}
            {%- endfor %}
        ]
    ))) as item_statistics
from statistics
group by family, series_key, cutoff
