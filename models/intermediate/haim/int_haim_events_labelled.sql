{{ config(materialized='view') }}
{#- The events of HAIM's three series families for the HAIM samples, matched to the seed's labels by exact text
    (every itemid of a label pooled), with the release-file row index that orders each series. Chart and
    procedure series are per ICU stay, lab series per admission. Events whose value is NULL or NaN are dropped,
    as HAIM's pivot drops them. event_time is what bounds the event: charttime (chart, lab) or storetime
    (procedure, strict mode only; HAIM carries it as the procedure series' time). -#}
with

items as (
    select * from {{ ref('haim_embedding_items') }}
    -- The repeated Platelet Count entry rewrites the same features: keep one entry per label.
    where is_first_occurrence
),

samples as (
    select * from {{ ref('haim_samples') }}
),

chart_dictionary as (
    select * from {{ ref('stg_mimiciv_icu__d_items') }}
),

lab_dictionary as (
    select * from {{ ref('stg_mimiciv_hosp__d_labitems') }}
),

chart_events as (
    select
        'chart' as family,
        chartevents.stay_id as series_key,
        chartevents.row_index,
        chartevents.charttime as event_time,
        chartevents.valuenum as value,
        chart_dictionary.label
    from {{ ref('stg_mimiciv_icu__chartevents') }} as chartevents
    inner join chart_dictionary
        on chartevents.itemid = chart_dictionary.itemid
    where chartevents.stay_id in (select samples.stay_id from samples)
),

lab_events as (
    select
        'lab' as family,
        labevents.hadm_id as series_key,
        labevents.row_index,
        labevents.charttime as event_time,
        labevents.valuenum as value,
        lab_dictionary.label
    from {{ ref('stg_mimiciv_hosp__labevents') }} as labevents
    inner join lab_dictionary
        on labevents.itemid = lab_dictionary.itemid
    where labevents.hadm_id in (select samples.hadm_id from samples)
),

procedure_events as (
    select
        'procedure' as family,
        procedureevents.stay_id as series_key,
        procedureevents.row_index,
        procedureevents.storetime as event_time,
        cast(procedureevents.value as double) as value,
        chart_dictionary.label
    from {{ ref('stg_mimiciv_icu__procedureevents') }} as procedureevents
    inner join chart_dictionary
        on procedureevents.itemid = chart_dictionary.itemid
    where procedureevents.stay_id in (select samples.stay_id from samples)
),

all_events as (
    select * from chart_events
    union all
    select * from lab_events
    union all
    select * from procedure_events
)

select
    all_events.family,
    all_events.series_key,
    items.feature_index,
    all_events.row_index,
    all_events.event_time,
    all_events.value
from all_events
inner join items
    on
        all_events.family = items.family
        and all_events.label = items.label
where {{ haim_is_number('all_events.value') }}
