{#- MIMIC-Eye spreadsheets/cxr_meta.csv: the selected images' metadata under the published names, plus
    in_eye_gaze, in_reflacx, StudyDateTime and the project's ED stay_id. -#}
with

selected as (
    select * from {{ ref('mimic_eye_selected_images') }}
    where in_cxr_metadata
),

metadata as (
    select * from {{ ref('stg_mimic_cxr_jpg__metadata') }}
),

linked as (
    select * from {{ ref('cxr_images_linked') }}
)

select
    {{ select_published('mimic_cxr_jpg', 'metadata', 'metadata', exclude=['study_datetime']) }},
    selected.in_eye_gaze,
    selected.in_reflacx,
    -- quoted to keep the published mixed-case name
    linked.image_time as "StudyDateTime",  -- noqa: RF06
    linked.ed_stay_id as stay_id
from selected
inner join metadata
    on selected.dicom_id = metadata.dicom_id
inner join linked
    on selected.dicom_id = linked.dicom_id
