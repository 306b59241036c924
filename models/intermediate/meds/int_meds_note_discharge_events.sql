{#- MEDS events of MIMIC-IV-Note discharge: one per note, its text in text_value. -#}
with

notes as (
    select * from {{ ref('stg_mimiciv_note__discharge') }}
)

{{ meds_events('notes') }}
