{{ config(materialized='view') }}
{#- Every series HAIM computes, once per distinct bound: the values of (family, series_key, feature_index) at
    or before the cutoff, or with no time (HAIM keeps NaN-time rows), in release-file row order. Images that
    share a stay (chart, procedure) or admission (lab) and a cutoff minute share the series; a series with no
    value inside the bound has no row. -#}
with

cutoffs as (
    select * from {{ ref('int_haim_image_cutoffs') }}
),

series as (
    select * from {{ ref('int_haim_series_listed') }}
),

series_bounds as (
    select distinct
        'chart' as family,
        stay_id as series_key,
        chart_cutoff as cutoff
    from cutoffs
    union
    select distinct
        'lab' as family,
        hadm_id as series_key,
        lab_cutoff as cutoff
    from cutoffs
    union
    select distinct
        'procedure' as family,
        stay_id as series_key,
        procedure_cutoff as cutoff
    from cutoffs
),

bounded as (
    select
        series_bounds.family,
        series_bounds.series_key,
        series_bounds.cutoff,
        series.feature_index,
        -- DuckDB's `lambda x: ...` syntax (the arrow form is deprecated) is beyond the SQL linter's parser
        -- noqa: disable=all
        list_transform(
            list_filter(
                series.series_events,
                lambda e: e.event_time is null or e.event_time <= series_bounds.cutoff
            ),
            lambda e: e.value
        ) as series_values
        -- noqa: enable=all
    from series_bounds
    inner join series
        on
            series_bounds.family = series.family
            and series_bounds.series_key = series.series_key
)

select *
from bounded
where len(series_values) > 0
