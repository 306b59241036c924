{#- MEDS events of MIMIC-IV-Note radiology: one per note, its text in text_value. -#}
with

notes as (
    select * from {{ ref('stg_mimiciv_note__radiology') }}
)

{{ meds_events('notes') }}
