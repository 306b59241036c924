{#- MIMIC-Eye patients: every subject in REFLACX or the EyeGaze master sheet. -#}
with

reflacx_subjects as (
    select distinct subject_id from {{ ref('stg_reflacx__metadata') }}
    where subject_id is not null
),

eye_gaze_subjects as (
    select distinct patient_id as subject_id from {{ ref('stg_eye_gaze__master_sheet') }}
    where patient_id is not null
),

all_subjects as (
    select subject_id from reflacx_subjects
    union
    select subject_id from eye_gaze_subjects
)

select
    all_subjects.subject_id,
    reflacx_subjects.subject_id is not null as in_reflacx,
    eye_gaze_subjects.subject_id is not null as in_eye_gaze
from all_subjects
left join reflacx_subjects
    on all_subjects.subject_id = reflacx_subjects.subject_id
left join eye_gaze_subjects
    on all_subjects.subject_id = eye_gaze_subjects.subject_id
