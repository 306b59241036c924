{{ config(materialized='view') }}
{#- The events of HAIM's three series families for the HAIM samples, matched to the seed's labels by exact text
    (every itemid of a label pooled), with the release-file row index that orders each series. Chart and
    procedure series are per ICU stay, lab series per admission. Events whose value is NULL or NaN are dropped,
    as HAIM's pivot drops them. event_time is what bounds the event: charttime (chart, lab) or storetime
    (procedure, strict mode only; HAIM carries it as the procedure series' time). -#}
{#- Where each family's events, their dictionary, series key, bounding time and value are: the one thing
    that differs between the three families. -#}
{%- set family_sources = [
    {'family': 'chart', 'events': 'stg_mimiciv_icu__chartevents', 'dictionary': 'stg_mimiciv_icu__d_items',
     'series_key': 'stay_id', 'event_time': 'charttime', 'value': 'valuenum'},
    {'family': 'lab', 'events': 'stg_mimiciv_hosp__labevents', 'dictionary': 'stg_mimiciv_hosp__d_labitems',
     'series_key': 'hadm_id', 'event_time': 'charttime', 'value': 'valuenum'},
    {'family': 'procedure', 'events': 'stg_mimiciv_icu__procedureevents',
     'dictionary': 'stg_mimiciv_icu__d_items', 'series_key': 'stay_id', 'event_time': 'storetime',
     'value': 'value'},
] %}
with

items as (
    select * from {{ ref('haim_embedding_items') }}
    -- The repeated Platelet Count entry rewrites the same features: keep one entry per label.
    where is_first_occurrence
),

samples as (
    select * from {{ ref('haim_samples') }}
),
{% for source in family_sources %}
    {{ source.family }}_events as (
        select
            '{{ source.family }}' as family,
            events.{{ source.series_key }} as series_key,
            events.row_index,
            events.{{ source.event_time }} as event_time,
            cast(events.{{ source.value }} as double) as value,
            dictionary.label
        from {{ ref(source.events) }} as events
        inner join {{ ref(source.dictionary) }} as dictionary
            on events.itemid = dictionary.itemid
        where events.{{ source.series_key }} in (select samples.{{ source.series_key }} from samples)
    ),
{% endfor %}
all_events as (
    {%- for source in family_sources %}
        select * from {{ source.family }}_events
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
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
