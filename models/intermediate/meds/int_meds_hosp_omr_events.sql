{#- MEDS events of hosp/omr: the result name is the code, the result the text value. -#}
with

omr as (
    select * from {{ ref('stg_mimiciv_hosp__omr') }}
)

{{ meds_events('omr') }}
