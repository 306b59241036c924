{#- MEDS events of hosp/labevents: specimen collection and result. -#}
with

labevents as (
    select * from {{ ref('stg_mimiciv_hosp__labevents') }}
)

{{ meds_events('labevents') }}
