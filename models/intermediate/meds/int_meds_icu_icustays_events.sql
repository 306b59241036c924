{#- MEDS events of icu/icustays. -#}
with

icustays as (
    select * from {{ ref('stg_mimiciv_icu__icustays') }}
)

{{ meds_events('icustays') }}
