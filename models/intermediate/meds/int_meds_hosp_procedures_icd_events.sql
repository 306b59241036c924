{#- MEDS events of hosp/procedures_icd, at the admission's discharge time. -#}
with

procedures as (
    select * from {{ ref('stg_mimiciv_hosp__procedures_icd') }}
),

admissions as (
    select * from {{ ref('stg_mimiciv_hosp__admissions') }}
),

procedures_discharged as (
    select
        procedures.subject_id,
        procedures.hadm_id,
        procedures.icd_version,
        {{ polars_csv_text('procedures.icd_code') }} as icd_code,
        admissions.dischtime
    from procedures
    left join admissions
        on procedures.hadm_id = admissions.hadm_id
)

{{ meds_events('procedures_discharged') }}
