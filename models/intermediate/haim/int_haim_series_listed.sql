{#- Every series HAIM computes, whole: the events of (family, series_key, feature_index) as one list in
    release-file row order, each with the time that bounds it. Sorting once here lets every image bound the
    series by filtering the list (int_haim_series_bounded) instead of re-sorting the events per image. -#}
with

events as (
    select * from {{ ref('int_haim_events_labelled') }}
)

select
    family,
    series_key,
    feature_index,
    list(struct_pack(event_time, value) order by row_index) as series_events
from events
group by family, series_key, feature_index
