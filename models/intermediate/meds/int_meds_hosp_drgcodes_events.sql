{#- MEDS events of hosp/drgcodes, at the admission's discharge time. -#}
with

drgcodes as (
    select * from {{ ref('stg_mimiciv_hosp__drgcodes') }}
),

admissions as (
    select * from {{ ref('stg_mimiciv_hosp__admissions') }}
),

drgcodes_discharged as (
    select
        drgcodes.subject_id,
        drgcodes.hadm_id,
        drgcodes.drg_type,
        {{ polars_csv_text('drgcodes.drg_code') }} as drg_code,
        drgcodes.description,
        drgcodes.drg_severity,
        drgcodes.drg_mortality,
        admissions.dischtime
    from drgcodes
    left join admissions
        on drgcodes.hadm_id = admissions.hadm_id
)

{{ meds_events('drgcodes_discharged') }}
