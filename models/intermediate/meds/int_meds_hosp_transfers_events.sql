{#- MEDS events of hosp/transfers. -#}
with

transfers as (
    select * from {{ ref('stg_mimiciv_hosp__transfers') }}
)

{{ meds_events('transfers') }}
