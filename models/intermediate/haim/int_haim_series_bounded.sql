{{ config(materialized='view') }}
{#- Every series HAIM computes, once per distinct bound: the events of (family, series_key, feature_index) at or
    before the cutoff, or with no time (HAIM keeps NaN-time rows), in release-file row order. Images that share a
    stay (chart, procedure) or admission (lab) and a cutoff minute share the series. -#}
with

cutoffs as (
    select * from {{ ref('int_haim_image_cutoffs') }}
),

events as (
    select * from {{ ref('int_haim_events_labelled') }}
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
)

select
    series_bounds.family,
    series_bounds.series_key,
    series_bounds.cutoff,
    events.feature_index,
    events.row_index,
    events.value
from series_bounds
inner join events
    on
        series_bounds.family = events.family
        and series_bounds.series_key = events.series_key
        and (events.event_time is null or series_bounds.cutoff >= events.event_time)
