{#- MEDS events of icu/procedureevents. -#}
with

procedureevents as (
    select * from {{ ref('stg_mimiciv_icu__procedureevents') }}
)

{{ meds_events('procedureevents') }}
