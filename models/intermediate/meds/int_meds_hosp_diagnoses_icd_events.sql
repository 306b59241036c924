{#- MEDS events of hosp/diagnoses_icd, at the admission's discharge time. -#}
with

diagnoses as (
    select * from {{ ref('stg_mimiciv_hosp__diagnoses_icd') }}
),

admissions as (
    select * from {{ ref('stg_mimiciv_hosp__admissions') }}
),

diagnoses_discharged as (
    select
        diagnoses.subject_id,
        diagnoses.hadm_id,
        diagnoses.icd_version,
        {{ polars_csv_text('diagnoses.icd_code') }} as icd_code,
        admissions.dischtime
    from diagnoses
    left join admissions
        on diagnoses.hadm_id = admissions.hadm_id
)

{{ meds_events('diagnoses_discharged') }}
