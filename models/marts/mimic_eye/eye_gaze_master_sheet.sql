{#- EyeGaze master sheet under its published columns, its stale stay_id replaced by the project's ED stay. -#}
with

master_sheet as (
    select * from {{ ref('stg_eye_gaze__master_sheet') }}
),

ed_stays as (
    select * from {{ ref('int_cxr_ed_stays_matched') }}
)

select
    {{ select_published('eye_gaze', 'master_sheet', 'master_sheet', overrides={'stay_id': 'ed_stays.stay_id'}) }}
from master_sheet
left join ed_stays
    on master_sheet.dicom_id = ed_stays.dicom_id
