{#- MEDS events of icu/inputevents. -#}
with

inputevents as (
    select * from {{ ref('stg_mimiciv_icu__inputevents') }}
)

{{ meds_events('inputevents') }}
