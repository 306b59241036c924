{#- MEDS events of hosp/patients: gender (static), birth (January 1st of anchor_year - anchor_age) and death
    (the earliest in-hospital deathtime, else dod). -#}
with

patients as (
    select * from {{ ref('stg_mimiciv_hosp__patients') }}
),

admissions as (
    select * from {{ ref('stg_mimiciv_hosp__admissions') }}
),

first_deaths as (
    select
        subject_id,
        min(deathtime) as deathtime
    from admissions
    group by subject_id
),

patients_dated as (
    select
        patients.subject_id,
        patients.gender,
        {{ year_start('patients.anchor_year - patients.anchor_age') }} as birth_time,
        coalesce(first_deaths.deathtime, cast(patients.dod as timestamp)) as death_time
    from patients
    left join first_deaths
        on patients.subject_id = first_deaths.subject_id
)

{{ meds_events('patients_dated') }}
