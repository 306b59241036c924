{{ mimic_view('mimiciv_hosp', 'admissions') }}
