{#- CXR images of HAIM subjects (either cohort): metadata, split and CheXpert labels under their published
    names, the parsed image time and the JPG path. -#}
with

haim_subjects as (
    select subject_id from {{ ref('haim_samples') }}
    union
    select subject_id from {{ ref('haim_samples_reference') }}
),

metadata as (
    select * from {{ ref('stg_mimic_cxr_jpg__metadata') }}
),

linked as (
    select * from {{ ref('cxr_images_linked') }}
),

chexpert as (
    select * from {{ ref('stg_mimic_cxr_jpg__chexpert') }}
)

select
    {{ select_published('mimic_cxr_jpg', 'metadata', 'metadata', exclude=['study_datetime']) }},
    linked.split,
    {{ select_published('mimic_cxr_jpg', 'chexpert', 'chexpert', exclude=['subject_id', 'study_id']) }},
    linked.image_time as cxrtime,
    linked.jpg_path
from metadata
inner join haim_subjects
    on metadata.subject_id = haim_subjects.subject_id
inner join linked
    on metadata.dicom_id = linked.dicom_id
left join chexpert
    on metadata.study_id = chexpert.study_id
