{#- Every MEDS event of the release: the official MIMIC-IV ETL's events plus the ED, note, chest X-ray and REFLACX
    families, one `union all` of the per-source models (tables: each source's DISTINCT runs and spills on its own; as
    views, 27 of them in one query ran out of memory at 20,000 subjects), stored in subject order so that the export's
    per-shard scans skip the other subjects' row groups (the export sorts each shard by time itself). -#}
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
order by subject_id
