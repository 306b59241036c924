{#- MEDS events of MIMIC-IV-ED vitalsign, one per measured item. -#}
with

vitalsign as (
    select * from {{ ref('stg_mimiciv_ed__vitalsign') }}
),

vitalsign_read as (
    select
        vitalsign.*,
        {{ meds_float32('vitalsign.pain') }} as pain_number
    from vitalsign
)

{{ meds_events('vitalsign_read') }}
