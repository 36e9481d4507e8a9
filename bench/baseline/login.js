/**
 * The baseline of `npm run bench -- bundles`: the login route of the old
 * PaieCashFan v2 monolith (Express + PostgreSQL + Redis), as it would run on
 * Lambda: the same Express app and middleware, one route, wrapped by
 * serverless-http. Never deployed; the bench bundles it with the esbuild
 * settings of serverless.yml to compare its zip and cold import with ours.
 */
import bcrypt from 'bcryptjs';
import cors from 'cors';
import express from 'express';
import helmet from 'helmet';
import Redis from 'ioredis';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import serverless from 'serverless-http';

const JWT_SECRET = process.env.JWT_SECRET || 'paiecashfan-secret';

// Neither connects before its first command: a Lambda container opens them on its first request.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });

const app = express();
app.use(helmet());
app.use(cors({ origin: process.env.CORS_ORIGIN || '*', credentials: true }));
app.use(express.json({ limit: '64kb' }));

app.post('/api/auth/login', async (req, res, next) => {
  try {
    const { email, password } = req.body || {};
    if (!email || !password) return res.status(400).json({ error: 'Email and password are required' });

    const { rows } = await pool.query(
      'SELECT id, email, password, name, club_id, created_at, updated_at FROM users WHERE email = $1',
      [String(email).toLowerCase()],
    );
    const user = rows[0];
    if (!user || !(await bcrypt.compare(String(password), user.password))) {
      return res.status(401).json({ error: 'Invalid credentials' });
    }

    const token = jwt.sign({ userId: user.id, email: user.email }, JWT_SECRET, { expiresIn: '7d' });
    const { password: _hash, ...profile } = user;
    await redis.set(`user:${user.id}`, JSON.stringify(profile), 'EX', 30 * 60);
    res.json({ message: 'Login successful', token, user: profile });
  } catch (error) {
    next(error);
  }
});

app.use((error, _req, res, _next) => {
  console.error(error);
  res.status(500).json({ error: 'Internal server error' });
});

export const handler = serverless(app);
