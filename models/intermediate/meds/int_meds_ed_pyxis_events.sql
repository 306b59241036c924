{#- MEDS events of MIMIC-IV-ED pyxis. -#}
with

pyxis as (
    select * from {{ ref('stg_mimiciv_ed__pyxis') }}
)

{{ meds_events('pyxis') }}
