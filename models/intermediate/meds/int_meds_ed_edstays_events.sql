{#- MEDS events of MIMIC-IV-ED edstays: arrival (with the transport) and departure (with the disposition). -#}
with

edstays as (
    select * from {{ ref('stg_mimiciv_ed__edstays') }}
)

{{ meds_events('edstays') }}
