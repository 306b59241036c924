{#- MEDS events of MIMIC-IV-ED triage, one per measured item, at the ED arrival time (triage has no time). -#}
with

triage as (
    select * from {{ ref('stg_mimiciv_ed__triage') }}
),

edstays as (
    select * from {{ ref('stg_mimiciv_ed__edstays') }}
),

triage_timed as (
    select
        triage.*,
        {{ meds_float32('triage.pain') }} as pain_number,
        edstays.hadm_id,
        edstays.intime
    from triage
    left join edstays
        on triage.stay_id = edstays.stay_id
)

{{ meds_events('triage_timed') }}
