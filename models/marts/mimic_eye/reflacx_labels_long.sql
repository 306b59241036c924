{#- REFLACX case x target label, with the case's image and patient. -#}
with

merged_labels as (
    select * from {{ ref('int_reflacx_case_labels_merged') }}
),

cases as (
    select * from {{ ref('stg_reflacx__metadata') }}
)

select
    merged_labels.id,
    cases.dicom_id,
    cases.subject_id,
    merged_labels.phase,
    merged_labels.label,
    merged_labels.label_position,
    merged_labels.label_kind,
    merged_labels.certainty,
    merged_labels.flag,
    merged_labels.other_text
from merged_labels
inner join cases
    on merged_labels.id = cases.id
