{#- MEDS events of icu/outputevents. -#}
with

outputevents as (
    select * from {{ ref('stg_mimiciv_icu__outputevents') }}
)

{{ meds_events('outputevents') }}
