{#- MEDS events of hosp/hcpcsevents. -#}
with

hcpcsevents as (
    select * from {{ ref('stg_mimiciv_hosp__hcpcsevents') }}
)

{{ meds_events('hcpcsevents') }}
