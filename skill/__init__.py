"""Mat Coach: an Alexa skill for hands-free acupressure-mat sessions."""
