{{ config(materialized='view') }}
{#- For every HAIM row the radiology notes of the sample's `radnotes` that HAIM's time bound keeps: the notes
    of the stay's admission charted within the ICU stay (intime <= charttime <= outtime: how the pickles link
    notes, which have no stay_id, to a stay) and at or before the row image's floored minute, with their
    hours since admittime (HAIM's weight) and their release-file position (the pickle's row order). A note
    without a time is never linked to a stay, so HAIM's keep-NaN rule has nothing to keep here. -#}
with

cutoffs as (
    select * from {{ ref('int_haim_image_cutoffs') }}
),

icu_stays as (
    select * from {{ ref('stg_mimiciv_icu__icustays') }}
),

notes as (
    select * from {{ ref('stg_mimiciv_note__radiology') }}
)

select
    cutoffs.haim_id,
    cutoffs.img_id,
    notes.note_id,
    notes.row_index as note_position,
    {{ hours_between('cutoffs.admittime', 'notes.charttime') }} as note_weight
from cutoffs
inner join icu_stays
    on cutoffs.stay_id = icu_stays.stay_id
inner join notes
    on
        cutoffs.subject_id = notes.subject_id
        and cutoffs.hadm_id = notes.hadm_id
        and notes.charttime between icu_stays.intime and icu_stays.outtime
        and cutoffs.img_charttime >= notes.charttime
