{{ mimic_view('mimiciv_hosp', 'services') }}
