{#- Every MEDS event of the release: the official MIMIC-IV ETL's events plus the ED, note, chest X-ray and REFLACX
    families, one `union all` of the per-source models (tables: each source's DISTINCT runs and spills on its own;
    as 27 views in one query the build ran out of DuckDB's memory at 20,000 subjects, and so did an ORDER BY over
    the union). Not sorted here: the export selects each shard's subjects and sorts them by time itself. -#}
{%- set sources = [
    'hosp_admissions', 'hosp_diagnoses_icd', 'hosp_drgcodes', 'hosp_emar', 'hosp_hcpcsevents', 'hosp_labevents',
    'hosp_omr', 'hosp_patients', 'hosp_pharmacy', 'hosp_procedures_icd', 'hosp_transfers',
    'icu_icustays', 'icu_chartevents', 'icu_procedureevents', 'icu_inputevents', 'icu_outputevents',
    'ed_edstays', 'ed_triage', 'ed_vitalsign', 'ed_diagnosis', 'ed_medrecon', 'ed_pyxis',
    'note_discharge', 'note_radiology', 'cxr_images', 'cxr_chexpert', 'reflacx_labels',
] %}

with

events as (
    {%- for source in sources %}
        select * from {{ ref('int_meds_' ~ source ~ '_events') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from events
