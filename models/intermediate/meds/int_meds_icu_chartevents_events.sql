{#- MEDS events of icu/chartevents. -#}
with

chartevents as (
    select * from {{ ref('stg_mimiciv_icu__chartevents') }}
)

{{ meds_events('chartevents') }}
