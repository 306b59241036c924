{#- MEDS events of MIMIC-IV-ED medrecon. -#}
with

medrecon as (
    select * from {{ ref('stg_mimiciv_ed__medrecon') }}
)

{{ meds_events('medrecon') }}
