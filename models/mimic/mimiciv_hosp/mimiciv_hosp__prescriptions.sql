{{ mimic_view('mimiciv_hosp', 'prescriptions') }}
