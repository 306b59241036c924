{{ mimic_view('mimiciv_hosp', 'hcpcsevents') }}
