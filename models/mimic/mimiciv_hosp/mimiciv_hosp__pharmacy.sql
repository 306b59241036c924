{{ mimic_view('mimiciv_hosp', 'pharmacy') }}
