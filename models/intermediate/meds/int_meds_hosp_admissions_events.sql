{#- MEDS events of hosp/admissions (ED registration and exit, admission, demographics, discharge): the
    official MIMIC-IV ETL's events, listed in _meds__models.yml. -#}
with

admissions as (
    select * from {{ ref('stg_mimiciv_hosp__admissions') }}
)

{{ meds_events('admissions') }}
