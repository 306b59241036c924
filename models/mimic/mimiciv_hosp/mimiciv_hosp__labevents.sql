{{ mimic_view('mimiciv_hosp', 'labevents') }}
