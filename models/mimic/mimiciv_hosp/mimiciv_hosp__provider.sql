{{ mimic_view('mimiciv_hosp', 'provider') }}
