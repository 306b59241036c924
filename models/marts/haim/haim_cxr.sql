{#- CXR images of HAIM subjects (either cohort) with the columns of the HAIM `cxr` attribute, in its order:
    split ⋈ CheXpert ⋈ metadata under their published names (ids from the metadata row), then the columns the
    reference derives (image folder and file, study date and time, charttime floored to the minute), then the
    project's own: the exact image time (cxrtime) and the JPG path (exporter only). The exporter appends
    deltacharttime after charttime, per sample. -#}
with

haim_subjects as (
    select subject_id from {{ ref('haim_samples') }}
    union
    select subject_id from {{ ref('haim_samples_reference') }}
),

metadata as (
    select * from {{ ref('stg_mimic_cxr_jpg__metadata') }}
),

split as (
    select * from {{ ref('stg_mimic_cxr_jpg__split') }}
),

linked as (
    select * from {{ ref('cxr_images_linked') }}
),

chexpert as (
    select * from {{ ref('stg_mimic_cxr_jpg__chexpert') }}
)

{% set ids = {'dicom_id': 'metadata.dicom_id', 'subject_id': 'metadata.subject_id', 'study_id': 'metadata.study_id'} %}
select
    {{ select_published('mimic_cxr_jpg', 'split', 'split', overrides=ids) }},
    {{ select_published('mimic_cxr_jpg', 'chexpert', 'chexpert', exclude=['subject_id', 'study_id']) }},
    {{ select_published('mimic_cxr_jpg', 'metadata', 'metadata',
        exclude=['dicom_id', 'subject_id', 'study_id', 'study_datetime']) }},
    'files/p' || substr(cast(metadata.subject_id as varchar), 1, 2)
    || '/p' || cast(metadata.subject_id as varchar)
    || '/s' || cast(metadata.study_id as varchar) as {{ quoted('Img_Folder') }},
    metadata.dicom_id || '.jpg' as {{ quoted('Img_Filename') }},
    {{ cxr_study_datetime('metadata.study_date', '0') }} as {{ quoted('StudyDateForm') }},
    cast(linked.image_time as time) as {{ quoted('StudyTimeForm') }},
    date_trunc('minute', linked.image_time) as charttime,
    linked.image_time as cxrtime,
    linked.jpg_path
from metadata
inner join haim_subjects
    on metadata.subject_id = haim_subjects.subject_id
inner join linked
    on metadata.dicom_id = linked.dicom_id
left join split
    on metadata.dicom_id = split.dicom_id
left join chexpert
    on metadata.study_id = chexpert.study_id
