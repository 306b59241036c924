{#- MEDS events of MIMIC-IV-ED diagnosis, at the ED stay's exit time. -#}
with

diagnosis as (
    select * from {{ ref('stg_mimiciv_ed__diagnosis') }}
),

edstays as (
    select * from {{ ref('stg_mimiciv_ed__edstays') }}
),

diagnosis_timed as (
    select
        diagnosis.*,
        edstays.hadm_id,
        edstays.outtime
    from diagnosis
    left join edstays
        on diagnosis.stay_id = edstays.stay_id
)

{{ meds_events('diagnosis_timed') }}
