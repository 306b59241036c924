{{ mimic_view('mimiciv_hosp', 'emar') }}
