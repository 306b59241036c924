-- haim_id is 0..n-1 in (subject_id, hadm_id, stay_id) order, in both cohorts.
{% for cohort in ['haim_samples', 'haim_samples_reference'] %}
    select
        '{{ cohort }}' as cohort,
        haim_id,
        subject_id,
        hadm_id,
        stay_id
    from (
        select
            haim_id,
            subject_id,
            hadm_id,
            stay_id,
            row_number() over (order by subject_id, hadm_id, stay_id) - 1 as expected_id
        from {{ ref(cohort) }}
    ) as numbered
    where haim_id != expected_id
    {% if not loop.last %}union all{% endif %}
{% endfor %}
