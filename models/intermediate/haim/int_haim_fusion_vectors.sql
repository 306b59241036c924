{{ config(materialized='view') }}
{#- Every model column block of marts.haim_fusion as one list per HAIM row, named by its column prefix
    (seed haim_fusion_vectors): the row image's own vectors (vd, vp), their time-weighted means (vmd, vmp)
    and the note embeddings (n_ecg, n_ech, n_rad). Public MIMIC-IV-Note has no ECG or echo notes, so HAIM's
    embedding of those empty tables is zeros once notes are embedded. NULL lists where nothing is embedded. -#}
with

cutoffs as (
    select * from {{ ref('int_haim_image_cutoffs') }}
),

image_vectors as (
    select * from {{ ref('stg_embeddings__image_vectors') }}
),

image_means as (
    select * from {{ ref('int_haim_fusion_image_means') }}
),

note_means as (
    select * from {{ ref('int_haim_fusion_note_means') }}
),

note_length as (
    select len(any_value(embedding)) as embedding_length
    from {{ ref('stg_embeddings__note_fallback_vector') }}
),

empty_note_tables as (
    -- ECG and echo: HAIM's embedding of an empty note table
    select {{ list_zeros('embedding_length') }} as zeros
    from note_length
)

select
    cutoffs.haim_id,
    cutoffs.img_id,
    image_vectors.vd,
    image_vectors.vp,
    image_means.vmd,
    image_means.vmp,
    empty_note_tables.zeros as n_ecg,
    empty_note_tables.zeros as n_ech,
    note_means.n_rad
from cutoffs
cross join empty_note_tables
left join image_vectors
    on cutoffs.img_id = image_vectors.dicom_id
left join image_means
    on cutoffs.haim_id = image_means.haim_id and cutoffs.img_id = image_means.img_id
left join note_means
    on cutoffs.haim_id = note_means.haim_id and cutoffs.img_id = note_means.img_id
