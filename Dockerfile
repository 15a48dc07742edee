# One image for every busplan process: `busplan serve`, `busplan worker`, `busplan db upgrade`.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY busplan ./busplan
RUN pip install --no-cache-dir . && useradd --system --no-create-home busplan
USER busplan
EXPOSE 8000
CMD ["busplan", "serve", "--host", "0.0.0.0", "--port", "8000"]
