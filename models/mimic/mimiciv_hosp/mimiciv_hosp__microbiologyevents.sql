{{ mimic_view('mimiciv_hosp', 'microbiologyevents') }}
